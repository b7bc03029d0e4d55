/** Automatic restart after a STOP error off for the first boot, so a 0x7B stays on screen (reference §9.1, §11.4; virt-v2v does the same). */
import { controlSetsToEdit, dword, setSystem } from "./helpers.js";
import { emptyResult, findingsFor, type Fixup } from "./types.js";

const ID = "crash-control";

export const crashControlFixup: Fixup = {
  id: ID,
  firstBootOnly: true,
  title: "Keep a first-boot STOP error on screen",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    if (!context.options.crashControl.autoRebootOff || this.detect(context.model, context.findings).length === 0) return result;
    for (const cs of controlSetsToEdit(context)) {
      result.registry.push(setSystem(ID, cs, "Control\\CrashControl", "AutoReboot", dword(0), `was ${context.model.crashControl.autoReboot ?? "absent (default 1)"}: a first-boot STOP error stays visible instead of rebooting in a loop`));
    }
    return result;
  },
};
