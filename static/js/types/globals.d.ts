// The two scripts the page loads (templates/index.html) after its first paint
// (late_scripts.js), as globals.
// Only what the page calls is declared.

declare const Plotly: {
  react(el: HTMLElement, data: object[], layout?: object, config?: object): Promise<HTMLElement>;
  restyle(el: HTMLElement, update: object, traces?: number[]): Promise<HTMLElement>;
  relayout(el: HTMLElement, update: object): Promise<HTMLElement>;
  extendTraces(el: HTMLElement, update: object, traces: number[]): Promise<HTMLElement>;
  purge(el: HTMLElement): void;
};

declare const io: {
  (options: object): Socket;
  /** A Manager's encoder and decoder are socket.io-parser's, which the bundle does not export. */
  Manager: new (uri: string, options: object) => { encoder: object; decoder: object };
};

interface Window {
  playground: object;
  /** Undefined until late_scripts.js has run the script. */
  Plotly?: typeof Plotly;
}
