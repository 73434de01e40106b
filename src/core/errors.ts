/** An Error carrying an errno-like `code`, as the kernel's -EINVAL returns are reported. */
export interface CodedError extends Error {
  code: string;
}

/** The kernel's -EINVAL: `message` names the input and the place that is wrong. */
export function einval(message: string): CodedError {
  const e = new Error(message) as CodedError;
  e.code = 'EINVAL';
  return e;
}
