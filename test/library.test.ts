/** The library entry point: what design.md promises developers (`import { openImage } from "p2vfix"`). */
import { describe, expect, it } from "vitest";
import * as p2vfix from "../src/index.js";

describe("library entry", () => {
  it("opens the demo image, finds Windows and reads a value through the top-level exports", () => {
    const target = p2vfix.openTarget("examples/demo-hp-proliant.qcow2");
    try {
      expect(target.image?.format).toBe("qcow2");
      const [install] = p2vfix.locateWindows(target.volumes).installations;
      expect(install.configDir).toBe("Windows/System32/config");
    } finally {
      target.close();
    }
    const opened = p2vfix.openHiveSource("examples/demo-hp-proliant.qcow2:SYSTEM");
    opened.close();
    expect(opened.hive.key("Select")?.value("Current")?.dword()).toBe(1);
    expect(typeof p2vfix.writeHivesInImage).toBe("function");
    expect(new p2vfix.RefusedError("x", "y")).toBeInstanceOf(p2vfix.P2vfixError);
  });
});
