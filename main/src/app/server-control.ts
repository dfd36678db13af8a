import type { HostKeyView, ServerView, SessionView } from '@grid-sftp/core/api';
import type { SftpGateway } from '../gateway/gateway.js';
import { ServiceError } from './service-error.js';

export interface ServerControlOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly hostKeys: readonly HostKeyView[];
  /** A fresh gateway for each start (a closed ssh2 server cannot listen again). */
  readonly makeGateway: () => SftpGateway;
  readonly log: (level: 'info' | 'error', message: string) => void;
  readonly changed: (view: ServerView) => void;
}

/**
 * Start and stop of the SFTP gateway, and what the Overview shows of it. A port the system
 * picked (port 0) is kept for later starts, so clients reconnect to the same place.
 */
export class ServerControl {
  private gateway: SftpGateway | undefined;
  private listen: { host: string; port: number };
  private current: ServerView;

  constructor(private readonly options: ServerControlOptions) {
    this.listen = { ...options.listen };
    this.current = this.view('stopped');
  }

  get state(): ServerView {
    return this.current;
  }

  sessions(): SessionView[] {
    return this.gateway?.sessionViews() ?? [];
  }

  disconnect(id: string): boolean {
    return this.gateway?.disconnect(id) === true;
  }

  async start(): Promise<ServerView> {
    if (this.current.state === 'running' || this.current.state === 'starting') return this.current;
    this.set(this.view('starting'));
    const gateway = this.options.makeGateway();
    try {
      const address = await gateway.listen(this.listen.host, this.listen.port);
      this.listen = { host: this.listen.host, port: address.port };
      this.gateway = gateway;
      this.options.log('info', `SFTP server listening on ${this.listen.host}:${address.port}`);
      return this.set(this.view('running', { startedAt: Date.now() }));
    } catch (error) {
      const message = `could not listen on ${this.listen.host}:${this.listen.port}: ${error instanceof Error ? error.message : String(error)}`;
      this.options.log('error', message);
      this.set(this.view('stopped', { error: message }));
      throw new ServiceError('unavailable', message);
    }
  }

  async stop(): Promise<ServerView> {
    const gateway = this.gateway;
    if (gateway === undefined) return this.current;
    this.set(this.view('stopping'));
    this.gateway = undefined;
    await gateway.close();
    this.options.log('info', 'SFTP server stopped');
    return this.set(this.view('stopped'));
  }

  private view(state: ServerView['state'], extra: { startedAt?: number; error?: string } = {}): ServerView {
    return {
      state,
      host: this.listen.host,
      port: this.listen.port,
      hostKeys: this.options.hostKeys,
      ...extra,
    };
  }

  private set(view: ServerView): ServerView {
    this.current = view;
    this.options.changed(view);
    return view;
  }
}
