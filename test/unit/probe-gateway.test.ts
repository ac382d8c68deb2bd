// How the probe's gateway and service sections become the gateway's evidence: who manages it.
import { describe, expect, it } from 'vitest';
import { toEvidence } from '../../src/probe/evidence.js';
import { sectionsOf } from '../helpers/probe-output.js';

const probe = (gateway: string, service = 'port=18789\nlistening=1\nsystemd=0\nlinger=unknown') =>
  toEvidence(sectionsOf([['id', 'user=claw\nnow=2026-11-26T12:00:00Z'], ['statedir', 'path=/home/claw/.openclaw'], ['gateway', gateway], ['service', service]])).gateway;

describe('the gateway manager, from what the probe saw', () => {
  it('a bare process', () => {
    expect(probe('process=4242 claw 600 openclaw-gateway\nenv.4242.HOME=/home/claw')).toMatchObject({ running: true, pid: 4242, managedBy: 'process', serviceName: null });
  });

  it('a gateway of another state dir (its environment says so) is not this one: other users, profiles, tests', () => {
    expect(probe('process=4242 alice 600 openclaw-gateway\nenv.4242.HOME=/home/alice')).toMatchObject({ running: false, pid: null, managedBy: 'none' });
    expect(probe('process=4242 claw 600 openclaw-gateway\nenv.4242.HOME=/home/claw\nenv.4242.OPENCLAW_STATE_DIR=/srv/other').running).toBe(false);
    const both = 'process=4141 alice 900 openclaw-gateway\nenv.4141.HOME=/home/alice\nprocess=4242 claw 600 openclaw-gateway\nenv.4242.HOME=/home/claw';
    expect(probe(both)).toMatchObject({ running: true, pid: 4242, user: 'claw' });
  });

  it('pm2: the app id and name pm2 puts in the environment of what it starts', () => {
    const g = probe('process=4242 claw 600 openclaw-gateway\nenv.4242.HOME=/home/claw\nenv.4242.pm_id=3\nenv.4242.name=openclaw-gw');
    expect(g).toMatchObject({ managedBy: 'pm2', serviceName: 'openclaw-gw' });
  });

  it('pm2 with the app stopped: no process, but the one app its daemon lists for OpenClaw', () => {
    expect(probe('', 'port=18789\nlistening=0\npm2=1\npm2-app=openclaw-gw stopped')).toMatchObject({ running: false, managedBy: 'pm2', serviceName: 'openclaw-gw' });
    expect(probe('', 'port=18789\nlistening=0\npm2=1\npm2-app=gw-a stopped\npm2-app=gw-b stopped').managedBy).toBe('none');
  });

  it('a `name` variable alone is not pm2', () => {
    expect(probe('process=4242 claw 600 openclaw-gateway\nenv.4242.name=whatever').managedBy).toBe('process');
  });

  it('a systemd user unit wins over the process it runs', () => {
    const g = probe('process=4242 claw 600 openclaw-gateway', 'port=18789\nlistening=1\nuser-unit=/home/claw/.config/systemd/user/openclaw-gateway.service');
    expect(g).toMatchObject({ managedBy: 'systemd-user', serviceName: 'openclaw-gateway.service' });
  });

  it('a container that is not running, seen from its copy: no process, and its state', () => {
    const g = probe('', 'port=18789\nlistening=0\ncontainer-state=restarting');
    expect(g).toMatchObject({ running: false, managedBy: 'none', containerState: 'restarting' });
    expect(probe('', 'port=18789\nlistening=0').containerState).toBeUndefined();
  });
});
