/**
 * A small XML scanner that keeps byte positions: every element knows where its start tag,
 * content and end tag lie, every attribute where its value lies. Edits splice at those
 * positions, so the rest of the document (comments, whitespace, attribute order, quoting)
 * stays byte for byte. It checks well-formedness of the tag structure (nesting, quoting,
 * one root) and reports the line of the first fault; it does not expand DTD entities.
 */
import { VmConfigError } from "../errors.js";
import { displayText, lineAt } from "./text.js";

export interface XmlAttr {
  name: string;
  /** Decoded value (entities expanded, UTF-8 decoded). */
  value: string;
  /** Start of the attribute name, and the position after its closing quote. */
  start: number;
  end: number;
  /** The raw value lies in [valueStart, valueEnd). */
  valueStart: number;
  valueEnd: number;
}

export interface XmlElement {
  name: string;
  /** Name without a namespace prefix. */
  local: string;
  /** Position of "<" of the start tag, and just after its ">". */
  start: number;
  tagEnd: number;
  selfClosing: boolean;
  /** Content lies in [tagEnd, contentEnd); the element ends at `end` (after the end tag). */
  contentEnd: number;
  end: number;
  attrs: XmlAttr[];
  children: XmlElement[];
}

const MAX_DEPTH = 256;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

export function decodeEntities(raw: string): string {
  const decoded = raw.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, entity: string) => {
    switch (entity) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default: {
        const cp = entity[1] === "x" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
        // Encode as UTF-8 bytes in the binary string so displayText() decodes it like the rest.
        return cp <= 0x10ffff ? Buffer.from(String.fromCodePoint(cp), "utf8").toString("latin1") : "\ufffd";
      }
    }
  });
  return displayText(decoded);
}

export function escapeXmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Parses the element structure of `text` (a binary string) and returns the root element. */
export function scanXml(text: string, path: string): XmlElement {
  const fail = (offset: number, message: string): never => {
    throw new VmConfigError("malformed-xml", `line ${lineAt(text, offset)}: ${message}`, { path, offset });
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    if (lt < 0) {
      if (stack.length === 0 && text.slice(pos).trim() !== "") fail(pos, "text outside the root element");
      break;
    }
    if (stack.length === 0 && text.slice(pos, lt).replace(/^\ufeff|^\xef\xbb\xbf/, "").trim() !== "") {
      fail(pos, "text outside the root element");
    }
    if (text.startsWith("<!--", lt)) {
      const close = text.indexOf("-->", lt + 4);
      if (close < 0) fail(lt, "unterminated comment");
      pos = close + 3;
      continue;
    }
    if (text.startsWith("<![CDATA[", lt)) {
      if (stack.length === 0) fail(lt, "CDATA outside the root element");
      const close = text.indexOf("]]>", lt);
      if (close < 0) fail(lt, "unterminated CDATA section");
      pos = close + 3;
      continue;
    }
    if (text.startsWith("<?", lt)) {
      const close = text.indexOf("?>", lt + 2);
      if (close < 0) fail(lt, "unterminated processing instruction");
      pos = close + 2;
      continue;
    }
    if (text.startsWith("<!", lt)) {
      // DOCTYPE: skip to the ">" that closes it, past an internal subset in brackets.
      if (stack.length > 0 || root) fail(lt, "declaration inside the document");
      let cursor = lt + 2;
      let brackets = 0;
      for (; cursor < text.length; cursor++) {
        const char = text[cursor];
        if (char === "[") brackets++;
        else if (char === "]") brackets--;
        else if (char === ">" && brackets <= 0) break;
      }
      if (cursor >= text.length) fail(lt, "unterminated declaration");
      pos = cursor + 1;
      continue;
    }
    if (text[lt + 1] === "/") {
      NAME.lastIndex = lt + 2;
      const match = NAME.exec(text);
      if (!match) fail(lt, "bad end tag");
      const name = (match as RegExpExecArray)[0];
      const gt = text.indexOf(">", lt);
      if (gt < 0 || text.slice(lt + 2 + name.length, gt).trim() !== "") fail(lt, `bad end tag </${name}`);
      const open = stack.pop();
      if (!open) fail(lt, `end tag </${name}> without a start tag`);
      const el = open as XmlElement;
      if (el.name !== name) fail(lt, `end tag </${name}> does not match <${el.name}> (line ${lineAt(text, el.start)})`);
      el.contentEnd = lt;
      el.end = gt + 1;
      pos = gt + 1;
      continue;
    }
    // Start tag.
    NAME.lastIndex = lt + 1;
    const nameMatch = NAME.exec(text);
    if (!nameMatch) fail(lt, "bad start tag");
    const name = (nameMatch as RegExpExecArray)[0];
    const el: XmlElement = {
      name,
      local: name.includes(":") ? name.slice(name.indexOf(":") + 1) : name,
      start: lt,
      tagEnd: 0,
      selfClosing: false,
      contentEnd: 0,
      end: 0,
      attrs: [],
      children: [],
    };
    let tagCursor = lt + 1 + name.length;
    for (;;) {
      const ws = /[ \t\r\n]*/y;
      ws.lastIndex = tagCursor;
      const skipped = (ws.exec(text) as RegExpExecArray)[0].length;
      tagCursor += skipped;
      if (tagCursor >= text.length) fail(lt, `unterminated start tag <${name}`);
      if (text[tagCursor] === ">") {
        el.tagEnd = tagCursor + 1;
        break;
      }
      if (text.startsWith("/>", tagCursor)) {
        el.tagEnd = tagCursor + 2;
        el.selfClosing = true;
        break;
      }
      if (skipped === 0) fail(tagCursor, `expected whitespace between attributes in <${name}>`);
      NAME.lastIndex = tagCursor;
      const an = NAME.exec(text);
      if (!an) fail(tagCursor, `bad attribute in <${name}>`);
      const attrName = (an as RegExpExecArray)[0];
      const attrStart = tagCursor;
      tagCursor += attrName.length;
      const eq = /[ \t\r\n]*=[ \t\r\n]*/y;
      eq.lastIndex = tagCursor;
      const match = eq.exec(text);
      if (!match) fail(tagCursor, `attribute ${attrName} in <${name}> has no value`);
      tagCursor += (match as RegExpExecArray)[0].length;
      const quote = text[tagCursor];
      if (quote !== '"' && quote !== "'") fail(tagCursor, `attribute ${attrName} in <${name}> is not quoted`);
      const close = text.indexOf(quote, tagCursor + 1);
      if (close < 0) fail(tagCursor, `unterminated value of ${attrName} in <${name}>`);
      const raw = text.slice(tagCursor + 1, close);
      if (raw.includes("<")) fail(tagCursor, `"<" in the value of ${attrName} in <${name}>`);
      if (el.attrs.some((xmlAttr) => xmlAttr.name === attrName)) fail(attrStart, `attribute ${attrName} repeated in <${name}>`);
      el.attrs.push({ name: attrName, value: decodeEntities(raw), start: attrStart, end: close + 1, valueStart: tagCursor + 1, valueEnd: close });
      tagCursor = close + 1;
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) fail(lt, `second root element <${name}>`);
    else root = el;
    if (el.selfClosing) {
      el.contentEnd = el.tagEnd;
      el.end = el.tagEnd;
    } else {
      if (stack.length >= MAX_DEPTH) fail(lt, `elements nested deeper than ${MAX_DEPTH}`);
      stack.push(el);
    }
    pos = el.tagEnd;
  }
  const open = stack.pop();
  if (open) fail(open.start, `<${open.name}> is never closed`);
  if (!root) throw new VmConfigError("malformed-xml", "line 1: no root element", { path, offset: 0 });
  return root;
}

export function attr(el: XmlElement, name: string): string | undefined {
  return el.attrs.find((xmlAttr) => xmlAttr.name === name || xmlAttr.name.endsWith(`:${name}`))?.value;
}

export function childrenNamed(el: XmlElement, local: string): XmlElement[] {
  return el.children.filter((xmlElement) => xmlElement.local === local);
}

export function child(el: XmlElement, local: string): XmlElement | undefined {
  return el.children.find((xmlElement) => xmlElement.local === local);
}

/** Text content of a leaf element (entities expanded), trimmed. */
export function textOf(text: string, el: XmlElement): string {
  const raw = text.slice(el.tagEnd, el.contentEnd).replace(/<!--[\s\S]*?-->/g, "");
  const cdata = raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, content: string) => escapeXmlText(content));
  return decodeEntities(cdata).trim();
}
