/**
 * Which log lines can matter for WhatsApp triage. The probe greps the host's logs with this same
 * pattern (passed to it as CF_LOG_PATTERN), so a pasted log and a probed one are judged on the same lines.
 * POSIX ERE and JavaScript read it alike; it is matched case-insensitively.
 */
export const RELEVANT_LOG_PATTERN =
  'whatsapp|web reconnect|web connection|baileys|creds\\.json|listener|channel exited|channel startup|auto-restart|giving up|health-monitor|logged out|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|handshake|stream errored|connection (failure|terminated)|QR|linked|link new devices|restart required|status [45][0-9][0-9]|Listening for|gateway closed|received SIG|shutdown completed|\\[gateway\\] ready|EACCES|Cannot find module|Channel is unavailable|login provider|not reachable|1006';

const RELEVANT = new RegExp(RELEVANT_LOG_PATTERN, 'i');

export function isRelevantLogLine(line: string): boolean {
  return RELEVANT.test(line);
}
