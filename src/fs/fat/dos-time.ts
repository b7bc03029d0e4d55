/**
 * FAT timestamps: a 16-bit date (years since 1980, month, day) and a 16-bit time with
 * 2-second resolution, plus a 10 ms count for creation times. They are local time with no
 * zone; p2vfix reports the fields as UTC so the value shown is the value stored.
 */
export function decodeDosDateTime(date: number, time = 0, tenMs = 0): Date | undefined {
  if (date === 0) return undefined;
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  const year = 1980 + (date >> 9);
  if (day === 0 || month === 0 || month > 12) return undefined;
  const seconds = (time & 0x1f) * 2;
  const minutes = (time >> 5) & 0x3f;
  const hours = time >> 11;
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds, tenMs * 10));
}
