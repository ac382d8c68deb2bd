/** The triage core: pure functions from evidence (or pasted text) to verdicts. */
export * from './evidence.js';
export * from './verdicts.js';
export { parseLog, parseLogLine, eventText, type LogEvent, type LogLevel, type LogFormat, type ParseOptions } from './log-parse.js';
export { parseChannelsStatus, parseStatusText, type AccountStatus, type ChannelsStatusSummary, type LastDisconnect } from './status-parse.js';
export { RULES, ruleFor, type Rule, type LogSign, type Remedy, type SignContext } from './rules.js';
export {
  triage, triageText, TRANSIENT_WINDOW_MS, FLOW_WINDOW_MS, GATEWAY_STARTUP_GRACE_MS,
  type AccountVerdict, type EvidenceLine, type TriageResult, type TriageOptions, type PastedText,
} from './triage.js';
export { parseVersion, versionInRange, type VersionRange } from './version.js';
