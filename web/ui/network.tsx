/** Network: the old adapters with their TCP/IP, the new NIC, and what the plan does with each old one. */
import { useApi } from "./hooks";
import type { PageProps } from "./main";

interface Tcpip {
  interfaceKey: string;
  dhcp: boolean | null;
  addresses: { address: string; mask: string | null }[];
  gateways: { address: string; metric: number | null }[];
  dnsServers: string[];
  domain: string | null;
  hasStaticAddress: boolean;
}
interface AdapterRow {
  classKey: string;
  connectionName: string | null;
  driverDesc: string | null;
  service: string | null;
  physical: boolean;
  team: { kind?: string } | null;
  teamMemberOf: string | null;
  permanentAddress: string | null;
  networkAddress: string | null;
  tcpip: Tcpip | null;
  plan: string[];
}
interface NetworkData {
  adapters: AdapterRow[];
  orphanInterfaces: Tcpip[];
  newNic: { mac: string | null; vm: { file: string; nic: { mac?: string; index?: number } } | null };
  steps: { id: string; title: string | null; fixup: string }[];
}

function ip(t: Tcpip | null): string {
  if (!t) return "—";
  if (t.dhcp && t.addresses.length === 0) return "DHCP";
  return t.addresses.map((a) => `${a.address}${a.mask ? `/${a.mask}` : ""}`).join(", ") || "—";
}

export function Network({ version }: PageProps) {
  const { data, error } = useApi<NetworkData>("/api/network", version);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="loading">Reading network settings…</p>;
  const nic = data.newNic;
  return (
    <div class="network">
      <section aria-labelledby="old-h">
        <h2 id="old-h">Adapters of the old machine ({data.adapters.length})</h2>
        <div class="table-wrap">
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Connection</th>
                <th scope="col">Driver</th>
                <th scope="col">Kind</th>
                <th scope="col">IPv4</th>
                <th scope="col">Gateway</th>
                <th scope="col">DNS</th>
                <th scope="col">What the plan does</th>
              </tr>
            </thead>
            <tbody>
              {data.adapters.map((a) => (
                <tr>
                  <td><code>{a.classKey}</code></td>
                  <td>{a.connectionName ?? "—"}</td>
                  <td>{a.driverDesc ?? "—"}</td>
                  <td>{a.team ? `team${a.team.kind ? `: ${a.team.kind}` : ""}` : a.teamMemberOf ? `member of ${a.teamMemberOf}` : a.physical ? "physical" : "virtual"}</td>
                  <td>{ip(a.tcpip)}{a.tcpip?.hasStaticAddress ? <span class="badge">static</span> : null}</td>
                  <td>{a.tcpip?.gateways.map((g) => g.address).join(", ") || "—"}</td>
                  <td>{a.tcpip?.dnsServers.join(", ") || "—"}</td>
                  <td class="plan-col">{a.plan.length ? a.plan.map((p) => <div>{p}</div>) : <span class="muted">nothing</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {data.orphanInterfaces.length > 0 && (
        <section aria-labelledby="orph-h">
          <h2 id="orph-h">TCP/IP settings with no adapter ({data.orphanInterfaces.length})</h2>
          <ul>
            {data.orphanInterfaces.map((t) => (
              <li>
                <code>{t.interfaceKey}</code>: {ip(t)}
                {t.gateways.length ? `, gateway ${t.gateways.map((g) => g.address).join(", ")}` : ""}
                {t.dnsServers.length ? `, DNS ${t.dnsServers.join(", ")}` : ""}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="new-h">
        <h2 id="new-h">The new NIC</h2>
        <p>
          {nic.mac ? (
            <>The first-boot steps find it by its MAC <code>{nic.mac}</code>.</>
          ) : (
            <>No MAC given (start the console with <code>--mac</code>): the first-boot steps take the only adapter that is new at the first boot.</>
          )}
          {nic.vm && <> The VM definition <code>{nic.vm.file}</code> boots it with the link down.</>}
        </p>
        <h3>First-boot steps that set it up</h3>
        {data.steps.length === 0 ? (
          <p class="muted">none</p>
        ) : (
          <ol>
            {data.steps.map((s) => (
              <li>
                {s.title ?? s.id} <span class="muted">({s.id}, {s.fixup})</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
