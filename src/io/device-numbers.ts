/** glibc's gnu_dev_major/gnu_dev_minor: a Linux dev_t as the major:minor pair /proc and /sys print. */
export function deviceNumbers(dev: bigint): { major: bigint; minor: bigint } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major, minor };
}
