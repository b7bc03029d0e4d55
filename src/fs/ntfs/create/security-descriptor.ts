/**
 * The security descriptor a new file gets when its folder has no security id to share (a
 * folder without an NTFS 3.x $STANDARD_INFORMATION, like mkntfs' root): a resident
 * $SECURITY_DESCRIPTOR (0x50) granting Everyone full access, inheritable by files and folders,
 * owned by Administrators — what ntfs-3g writes in that case (ntfs-3g acls.c / security.c
 * ntfs_sd_add_everyone). Self-relative layout: MS-DTYP 2.4.6 SECURITY_DESCRIPTOR, 2.4.5 ACL,
 * 2.4.4.2 ACCESS_ALLOWED_ACE, 2.4.2 SID.
 */
const SE_DACL_PRESENT = 0x0004;
const SE_SELF_RELATIVE = 0x8000;
const OBJECT_INHERIT_ACE = 0x01;
const CONTAINER_INHERIT_ACE = 0x02;
const FILE_ALL_ACCESS = 0x001f01ff;

function sid(authority: number, ...subAuthorities: number[]): Uint8Array {
  const out = new Uint8Array(8 + 4 * subAuthorities.length);
  const view = new DataView(out.buffer);
  out[0] = 1;
  out[1] = subAuthorities.length;
  out[7] = authority;
  subAuthorities.forEach((subAuthority, i) => view.setUint32(8 + 4 * i, subAuthority, true));
  return out;
}

export function everyoneSecurityDescriptor(): Uint8Array {
  const everyone = sid(1, 0); // S-1-1-0
  const administrators = sid(5, 32, 544); // S-1-5-32-544
  const aceSize = 8 + everyone.length;
  const aclSize = 8 + aceSize;
  const out = new Uint8Array(20 + aclSize + 2 * administrators.length);
  const view = new DataView(out.buffer);
  out[0] = 1;
  view.setUint16(2, SE_SELF_RELATIVE | SE_DACL_PRESENT, true);
  const dacl = 20;
  const owner = dacl + aclSize;
  const group = owner + administrators.length;
  view.setUint32(4, owner, true);
  view.setUint32(8, group, true);
  view.setUint32(16, dacl, true);
  out[dacl] = 2;
  view.setUint16(dacl + 2, aclSize, true);
  view.setUint16(dacl + 4, 1, true);
  out[dacl + 8] = 0; // ACCESS_ALLOWED_ACE_TYPE
  out[dacl + 9] = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;
  view.setUint16(dacl + 10, aceSize, true);
  view.setUint32(dacl + 12, FILE_ALL_ACCESS, true);
  out.set(everyone, dacl + 16);
  out.set(administrators, owner);
  out.set(administrators, group);
  return out;
}
