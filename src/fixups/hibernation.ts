/**
 * Fast Startup off in the VM (reference §11.5): with it on, every shutdown leaves the volume
 * hibernated and the next offline edit is refused. A hibernated image itself cannot be fixed
 * offline: the plan says so.
 */
import { controlSetsToEdit, dword, setSystem } from "./helpers.js";
import { emptyResult, findingsFor, type Fixup } from "./types.js";

const ID = "hibernation";

export const hibernationFixup: Fixup = {
  id: ID,
  title: "Fast Startup off",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    const found = this.detect(context.model, context.findings);
    if (found.some((finding) => finding.id === "hibernated")) {
      result.notices.push("Windows is hibernated: boot the source machine and shut it down fully (shutdown /s /f /t 0) before converting; apply refuses to write a hibernated volume.");
    }
    if (found.some((finding) => finding.id === "fast-startup")) {
      for (const cs of controlSetsToEdit(context)) {
        result.registry.push(setSystem(ID, cs, "Control\\Session Manager\\Power", "HiberbootEnabled", dword(0), "Fast Startup off: shutdowns of the VM leave the volume clean for later offline work"));
      }
    }
    return result;
  },
};
