/**
 * A small CSV reader (RFC 4180: comma-separated fields, fields in double quotes may hold commas,
 * line breaks and doubled quotes; CRLF or LF line ends). No CSV parser is among the project's
 * dependencies, and an inventory needs nothing beyond the RFC, so it is read here. Each record
 * carries the 1-based line it starts on, for error messages.
 */
import { PlanError } from "../errors.js";

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Splits `text` into records; a stray quote or an unclosed quoted field is a PlanError naming its line. */
export function readCsv(text: string, path: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  // A field that was quoted ends at the closing quote: only a separator or a line end may follow.
  let closed = false;
  const endRecord = () => {
    fields.push(field);
    // Blank lines between records are skipped (a trailing newline, spacing by hand).
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: recordLine, fields });
    fields = [];
    field = "";
    closed = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          closed = true;
        }
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === ",") {
      fields.push(field);
      field = "";
      closed = false;
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (closed) {
      throw new PlanError("inventory.csv", `unexpected ${JSON.stringify(ch)} after a closing quote (a quote inside a quoted field is written "")`, { path, line });
    } else if (ch === '"') {
      if (field !== "") throw new PlanError("inventory.csv", `a quote inside an unquoted field: quote the whole field and double the quote ("")`, { path, line });
      quoted = true;
      quoteLine = line;
    } else {
      field += ch;
    }
  }
  if (quoted) throw new PlanError("inventory.csv", "a quoted field is not closed before the end of the file", { path, line: quoteLine });
  if (field !== "" || fields.length > 0 || closed) endRecord();
  return records;
}
