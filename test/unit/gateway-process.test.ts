// Which `ps` lines are an OpenClaw gateway: the one awk program, run by this machine's awk on lines
// as `ps -eo pid=,user=,args=` prints them on hosts (the real 2026.9.6 gateway's titles and argv, the
// fake's, pm2's, a systemd unit's) and on lines that only mention a gateway.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_AWK, STARTING_TITLE_AWK } from '../../src/gateway-process.js';

const GATEWAYS = [
  '  92 openclaw openclaw-gateway',
  ' 4101 openclaw /opt/real-openclaw/node_modules/node/bin/node /opt/real-openclaw/node_modules/openclaw/openclaw.mjs gateway run',
  '  311 claw node /usr/local/lib/node_modules/openclaw/openclaw.mjs gateway --port 18789',
  ' 5120 node /usr/bin/node /usr/local/bin/openclaw gateway',
  '  700 claw /usr/local/bin/openclaw gateway run --verbose',
  '  812 pi bun /home/pi/.bun/bin/openclaw gateway run',
  '  901 old /usr/bin/nodejs /usr/lib/node_modules/clawdbot/dist/index.js gateway run',
];
const NOT_GATEWAYS = [
  // another clawfix run's probe and start wait on the same host
  `  93 claw awk -v f=4 ${GATEWAY_AWK} gw() { print }`,
  "  94 claw grep -E openclaw-gateway|openclaw.* gateway( run|$)",
  '  95 root vim /home/openclaw/.config/systemd/user/openclaw-gateway.service',
  '  96 root journalctl --user -u openclaw-gateway -f',
  '  97 claw tail -f /tmp/openclaw/openclaw-gateway.log',
  '  98 claw sh -c openclaw gateway run',
  '  99 claw node /usr/local/lib/node_modules/openclaw/openclaw.mjs gateway status --json',
  ' 100 claw sudo -n -H -u openclaw -- sh -c openclaw gateway run',
  ' 101 openclaw openclaw',
];

const gatewayPids = (lines: string[], program = `${GATEWAY_AWK} gw() { print $1 }`): string[] =>
  execFileSync('awk', ['-v', 'f=3', program], { input: `${lines.join('\n')}\n`, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('GATEWAY_AWK', () => {
  it('finds every gateway, however it was started', () => {
    expect(gatewayPids(GATEWAYS)).toEqual(GATEWAYS.map((l) => l.trim().split(' ')[0]));
  });

  it('does not take a command line that only names a gateway for one', () => {
    expect(gatewayPids(NOT_GATEWAYS)).toEqual([]);
  });

  it('with the starting title: the CLI titled plain `openclaw` counts as a gateway starting', () => {
    expect(gatewayPids(NOT_GATEWAYS, `${GATEWAY_AWK} gw() || ${STARTING_TITLE_AWK} { print $1 }`)).toEqual(['101']);
  });

  it('is the program the probe runs', () => {
    const probe = readFileSync('src/probe/probe.sh', 'utf8');
    expect(probe).toContain(`gw_awk='${GATEWAY_AWK}'`);
  });
});
