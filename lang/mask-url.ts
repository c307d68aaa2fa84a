/** Replace a database URL (and so any password in it) wherever it might show up in a message. */
export function maskUrl(message: string, url: string): string {
  let out = message.split(url).join('postgres://***');
  try {
    const pw = new URL(url).password;
    if (pw) out = out.split(decodeURIComponent(pw)).join('***');
  } catch {
    /* not a URL: nothing more to hide */
  }
  return out;
}
