/**
 * Logs connections we refuse (failed auth, garbage, silence), once each, and stops logging individually
 * after a burst so a port scan or a flood cannot fill the rank logs; `count` keeps the total.
 */

const INDIVIDUAL_LINES = 20;

export class RefusalLog {
  count = 0;

  constructor(
    private readonly log: (message: string) => void,
    private readonly where: string,
  ) {}

  refuse(peer: string, reason: string): void {
    this.count++;
    if (this.count <= INDIVIDUAL_LINES) {
      this.log(`${this.where}: refused a connection from ${peer}: ${reason}.`);
    } else if (this.count === INDIVIDUAL_LINES + 1) {
      this.log(`${this.where}: more than ${INDIVIDUAL_LINES} connections refused; further ones are counted but not logged.`);
    }
  }


  /** One closing line with the total once the individual lines stopped (a flood), so every refusal is accounted for. */
  summarize(): void {
    if (this.count > INDIVIDUAL_LINES) this.log(`${this.where}: refused ${this.count} connections in total.`);
  }
}

export function describePeer(socket: { remoteAddress?: string; remotePort?: number }): string {
  if (!socket.remoteAddress) return 'a local process';
  return `${socket.remoteAddress}:${socket.remotePort ?? '?'}`;
}
