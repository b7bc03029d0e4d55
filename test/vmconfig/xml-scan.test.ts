import { describe, expect, it } from "vitest";
import { VmConfigError } from "../../src/errors.js";
import { scanXml, textOf } from "../../src/vmconfig/xml-scan.js";

describe("scanXml", () => {
  it("keeps exact positions through comments, CDATA, a DOCTYPE subset and '>' in attribute values", () => {
    const text = `<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x "y">]>\n<!-- <fake> -->\n<d a='1 > 0' b="&amp;&#xe9;"><e><![CDATA[<not/>]]></e><f/></d>\n`;
    const root = scanXml(text, "t");
    expect(root.name).toBe("d");
    expect(root.attrs.map((a) => [a.name, a.value, text.slice(a.valueStart, a.valueEnd)])).toEqual([
      ["a", "1 > 0", "1 > 0"],
      ["b", "&é", "&amp;&#xe9;"],
    ]);
    expect(root.children.map((c) => text.slice(c.start, c.end))).toEqual(["<e><![CDATA[<not/>]]></e>", "<f/>"]);
    expect(textOf(text, root.children[0] as never)).toBe("<not/>");
  });

  it.each([
    ["<a><b></a>", /line 1: end tag <\/a> does not match <b>/],
    ["<a>\n<b x=1/></a>", /line 2: attribute x in <b> is not quoted/],
    ["<a/><b/>", /second root element/],
    ["<a x='1' x='2'/>", /repeated/],
    ["<a>\n<!-- never closed", /line 2: unterminated comment/],
    ["<a>", /<a> is never closed/],
    ["<".repeat(3), /bad start tag/],
    [`${"<a>".repeat(300)}${"</a>".repeat(300)}`, /nested deeper than 256/],
  ])("rejects %s", (text, message) => {
    expect(() => scanXml(text, "t")).toThrow(VmConfigError);
    expect(() => scanXml(text, "t")).toThrow(message);
  });
});
