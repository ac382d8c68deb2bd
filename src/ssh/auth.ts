/**
 * The order ssh offers keys in, driven through ssh2's authHandler: the agent at SSH_AUTH_SOCK
 * first, then each identity file. Key files are wrapped as tiny agents so that, like ssh, a key's
 * passphrase is only asked once the server has accepted its public half.
 */
import { homedir } from 'node:os';
import { BaseAgent, createAgent, type AnyAuthMethod, type AuthHandlerMiddleware, type AuthenticationType, type IdentityCallback, type ParsedKey, type SignCallback, type SigningRequestOptions } from 'ssh2';
import ssh2 from 'ssh2';
import { isClawfixError, type ClawfixError } from '../errors.js';
import { isSshError, passphraseNeededError, type SshTarget } from './errors.js';
import { defaultIdentityFiles, defaultKeyLoader, existingFiles, KeyFileError, publicOf, type AskPassphrase, type KeyLoader } from './keys.js';

export interface AuthPlanOptions {
  username: string;
  /** Explicit identity files (hosts file / ssh config); empty: the default ~/.ssh/id_* that exist. */
  identityFiles: readonly string[];
  /** IdentitiesOnly: offer only those files' keys, including from the agent. */
  identitiesOnly: boolean;
  home?: string;
  /** SSH_AUTH_SOCK; undefined or '' means no agent. */
  agentSocket?: string;
  askPassphrase?: AskPassphrase;
  keyLoader?: KeyLoader;
  /** Called with true while a key is being loaded (perhaps a passphrase prompt), so timers can pause. */
  onWait?: (waiting: boolean) => void;
  debug?: (line: string) => void;
}

export interface AuthPlan {
  authHandler: AuthHandlerMiddleware;
  /** What was offered, by name only: "ssh-agent (2 keys)", "~/.ssh/id_ed25519". */
  tried(): string[];
  /** Why some keys could not be used ("no such identity file", "wrong passphrase"). */
  notes(): string[];
  /**
   * What explains an auth failure better than "rejected": the server accepted a key we could not
   * unlock (passphrase-needed, or the user's cancelled prompt).
   */
  blockingError(target: SshTarget): ClawfixError | undefined;
}

interface State {
  options: AuthPlanOptions;
  loader: KeyLoader;
  home: string;
  /** Public keys already offered on this connection (base64 blobs): a file key the agent already offered is skipped. */
  offered: Set<string>;
  tried: string[];
  notes: string[];
  blocking?: { error: ClawfixError; keyPath: string };
}

function display(path: string, home: string): string {
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function blobId(key: ParsedKey): string {
  return key.getPublicSSH().toString('base64');
}

function noteFailure(state: State, path: string, error: unknown): void {
  // KeyFileErrors concern one key (missing, bad permissions); anything else came from the prompt.
  if (isClawfixError(error) && !(error instanceof KeyFileError)) state.blocking ??= { error, keyPath: path };
  const reason = isClawfixError(error) ? error.message : `${path}: could not be used`;
  const text = reason.startsWith(path) ? display(path, state.home) + reason.slice(path.length) : reason;
  if (!state.notes.includes(text)) state.notes.push(text);
}

async function whileWaiting<T>(state: State, work: () => Promise<T>): Promise<T> {
  state.options.onWait?.(true);
  try {
    return await work();
  } finally {
    state.options.onWait?.(false);
  }
}

/** The user's agent, listed once per connection; with IdentitiesOnly only the configured keys pass. */
class ListingAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: BaseAgent,
    private readonly state: State,
    private readonly files: readonly string[],
  ) {
    super();
  }

  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    this.inner.getIdentities((err, keys) => {
      if (err || !keys) {
        this.state.notes.push('ssh-agent at SSH_AUTH_SOCK did not answer');
        return cb(err ?? new Error('ssh-agent did not answer'));
      }
      void this.filter(keys).then((usable) => {
        for (const key of usable) this.state.offered.add(blobId(key));
        if (usable.length > 0) this.state.tried.push(`ssh-agent (${usable.length} key${usable.length === 1 ? '' : 's'})`);
        cb(null, usable);
      }, cb);
    });
  }

  private async filter(keys: readonly unknown[]): Promise<ParsedKey[]> {
    const parsed = keys
      .map((k) => ssh2.utils.parseKey(k as Buffer | string | ParsedKey))
      .filter((k): k is ParsedKey => !(k instanceof Error) && !Array.isArray(k));
    if (!this.state.options.identitiesOnly) return parsed;
    const allowed = new Set<string>();
    for (const file of this.files) {
      const pub = await this.state.loader.publicKey(file);
      if (pub) allowed.add(blobId(pub));
    }
    return parsed.filter((k) => allowed.has(blobId(k)));
  }

  sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    if (typeof options === 'function') this.inner.sign(pubKey, data, options);
    else this.inner.sign(pubKey, data, options, cb);
  }
}

/** One identity file as an agent: the public key is offered first, the private key loaded only to sign. */
class KeyFileAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly path: string,
    private readonly state: State,
  ) {
    super();
  }

  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    this.identity().then((key) => cb(null, key ? [key] : []), (error: unknown) => cb(error as Error));
  }

  private async identity(): Promise<ParsedKey | undefined> {
    const { loader, options } = this.state;
    let pub = await loader.publicKey(this.path);
    if (pub === undefined) {
      // No public half readable (old encrypted PEM without .pub): ssh asks for the passphrase now too.
      const priv = await whileWaiting(this.state, () => loader.privateKey(this.path, options.askPassphrase)).catch((error: unknown) => {
        noteFailure(this.state, this.path, error);
        return undefined;
      });
      pub = priv && publicOf(priv);
    }
    if (pub === undefined) return undefined;
    if (this.state.offered.has(blobId(pub))) {
      options.debug?.(`auth: ${display(this.path, this.state.home)} already offered through the agent`);
      return undefined;
    }
    this.state.offered.add(blobId(pub));
    this.state.tried.push(display(this.path, this.state.home));
    return pub;
  }

  sign(_pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    const done = typeof options === 'function' ? options : cb;
    const hash = typeof options === 'function' ? undefined : options.hash;
    if (done === undefined) return;
    whileWaiting(this.state, () => this.state.loader.privateKey(this.path, this.state.options.askPassphrase)).then(
      (key) => {
        const signature = key.sign(data, hash) as Buffer | Error;
        if (signature instanceof Error) done(new Error(`${display(this.path, this.state.home)}: signing failed`));
        else done(null, signature);
      },
      (error: unknown) => {
        noteFailure(this.state, this.path, error);
        done(error instanceof Error ? error : new Error('key could not be loaded'));
      },
    );
  }
}

/** Builds the authHandler for one connection (or one jump hop). */
export async function planAuth(options: AuthPlanOptions): Promise<AuthPlan> {
  const home = options.home ?? homedir();
  const state: State = { options, loader: options.keyLoader ?? defaultKeyLoader, home, offered: new Set(), tried: [], notes: [] };
  let files: string[];
  if (options.identityFiles.length > 0) {
    files = [...options.identityFiles];
  } else {
    files = await existingFiles(defaultIdentityFiles(home));
  }
  const methods: AnyAuthMethod[] = [];
  if (options.agentSocket) {
    methods.push({ type: 'agent', username: options.username, agent: new ListingAgent(createAgent(options.agentSocket), state, files) });
  }
  for (const file of files) methods.push({ type: 'agent', username: options.username, agent: new KeyFileAgent(file, state) });

  const handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (method: AnyAuthMethod | false) => void): void => {
    if (methodsLeft && !methodsLeft.includes('publickey')) {
      const note = `the server only allows ${methodsLeft.join(', ') || 'nothing'}`;
      if (!state.notes.includes(note)) state.notes.push(note);
      return next(false);
    }
    next(methods.shift() ?? false);
  };
  return {
    // ssh2 accepts `false` ("no more methods") although its type definitions do not say so.
    authHandler: handler as unknown as AuthHandlerMiddleware,
    tried: () => [...state.tried],
    notes: () => [...state.notes],
    blockingError: (target) => {
      const b = state.blocking;
      if (b === undefined) return undefined;
      return isSshError(b.error, 'passphrase-needed') ? passphraseNeededError(b.keyPath, target) : b.error;
    },
  };
}
