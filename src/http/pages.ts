/** The HTML shell every server-rendered page shares, and the plain notice pages (sign-in, Xero's callback). */
import { html, raw } from 'hono/html';

export function page(title: string, body: unknown, head: unknown = '') {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · cfo-agent</title>
        ${head}
      </head>
      <body>
        ${body}
      </body>
    </html>`;
}

const NOTICE_STYLE = raw(`<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1d2430; }
  code { background: #f2f4f7; padding: 0.1rem 0.3rem; border-radius: 4px; }
</style>`);

/** A short page of text under a heading (the heading defaults to the title). */
export function notice(title: string, body: unknown, heading: string = title) {
  return page(title, html`<h1>${heading}</h1>${body}`, NOTICE_STYLE);
}
