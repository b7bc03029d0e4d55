/** A previous p2vfix first boot left results: `p2vfix report` shows them. */
import type { FindingRule } from "./types.js";
import { softwareEvidence } from "./types.js";
import { RESULTS_KEY } from "../firstboot-results.js";

export const previousFirstBoot: FindingRule = (model) => {
  const results = model.firstBootResults;
  if (!results) return [];
  return [
    {
      id: "previous-firstboot",
      severity: "info",
      title: "Results of a previous p2vfix first boot are present",
      detail: `${results.steps.length} step result(s) recorded; see p2vfix report.`,
      evidence: [softwareEvidence(RESULTS_KEY)],
      fixup: "first-boot-report",
    },
  ];
};
