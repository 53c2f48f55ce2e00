// The slice of jsdom that dom.ts uses (the package ships no types; @types/jsdom is not worth a dependency here).
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string, options?: { pretendToBeVisual?: boolean; url?: string });
    readonly window: Window & typeof globalThis;
  }
}
