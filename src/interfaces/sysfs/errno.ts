/** An errno from the virtual sysfs tree, as the kernel's store/show functions return them. */
export type Errno =
  | 'EINVAL'
  | 'EBUSY'
  | 'ERANGE'
  | 'ENOENT'
  | 'EACCES'
  | 'EPERM'
  | 'ECANCELED'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ENOMEM';

export class SysfsErrno extends Error {
  override name = 'SysfsErrno';
  constructor(
    readonly code: Errno,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

/** The errno of a failure: SysfsErrno's, a coded core error's (einval), else EINVAL. */
export function errnoOf(e: unknown): Errno {
  if (e instanceof SysfsErrno) return e.code;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? (code as Errno) : 'EINVAL';
}
