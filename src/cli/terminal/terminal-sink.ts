/** Something that can print lines above a live display (a progress bar). */
export interface LiveDisplay {
  log(text: string): void;
}

/**
 * The CLI's stderr when it is a terminal: log lines go straight to it, or, while a progress
 * display is drawn, above it (writing under a redrawn bar would tear both).
 */
export class TerminalSink {
  private display: LiveDisplay | null = null;

  constructor(readonly stream: NodeJS.WriteStream) {}

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  write(text: string): void {
    if (this.display) this.display.log(text);
    else this.stream.write(text);
  }

  attach(display: LiveDisplay): void {
    this.display = display;
  }

  detach(): void {
    this.display = null;
  }
}
