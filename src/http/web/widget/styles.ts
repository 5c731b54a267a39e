/** The widget's CSS, inside its shadow root: the host page's styles cannot reach it, nor it theirs. */
export const WIDGET_CSS = `
:host { all: initial !important; display: block !important; }
* { box-sizing: border-box; }
.root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #17202e; }
.launcher { all: unset; cursor: pointer; display: flex; align-items: center; gap: 8px; background: #1f4fd1; color: #fff; padding: 12px 18px; border-radius: 999px; box-shadow: 0 6px 20px rgba(16,32,80,.25); font-weight: 600; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #f2b705; outline-offset: 2px; }
.panel { width: 380px; height: min(600px, calc(100vh - 40px)); background: #fff; border-radius: 16px; box-shadow: 0 12px 40px rgba(16,32,80,.28); display: flex; flex-direction: column; overflow: hidden; border: 1px solid #dfe4ee; }
.head { display: flex; align-items: center; justify-content: space-between; padding: 12px 14px; background: #1f4fd1; color: #fff; }
.head h2 { all: unset; font-size: 16px; font-weight: 650; }
.head button { all: unset; cursor: pointer; font-size: 20px; line-height: 1; padding: 2px 8px; border-radius: 6px; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 10px; background: #f7f9fc; }
.msg { max-width: 92%; padding: 9px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: #1f4fd1; color: #fff; border-bottom-right-radius: 4px; }
.msg.assistant { align-self: flex-start; background: #fff; border: 1px solid #e3e8f1; border-bottom-left-radius: 4px; }
.msg.error { align-self: stretch; background: #fff4f2; border: 1px solid #f3c2b8; color: #8a1c0b; }
.activity { align-self: flex-start; font-size: 13px; color: #4a5875; display: flex; align-items: center; gap: 6px; }
.activity.done { color: #2e7d4f; }
.spinner { width: 10px; height: 10px; border-radius: 50%; border: 2px solid #9fb3e8; border-top-color: #1f4fd1; animation: spin .8s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation: none; } }
.hint { color: #5b6780; font-size: 13px; }
.form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e3e8f1; background: #fff; }
.form label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
textarea { flex: 1; resize: none; font: inherit; padding: 9px 10px; border: 1px solid #c9d2e3; border-radius: 10px; min-height: 42px; max-height: 120px; color: inherit; background: #fff; }
.send { all: unset; cursor: pointer; background: #1f4fd1; color: #fff; padding: 0 16px; border-radius: 10px; font-weight: 600; display: flex; align-items: center; }
.send[aria-disabled="true"] { opacity: .5; cursor: default; }
.cfo-table { border-collapse: collapse; width: 100%; font-size: 13px; background: #fff; border: 1px solid #e3e8f1; border-radius: 8px; }
.cfo-table caption { text-align: left; font-size: 12px; color: #5b6780; padding: 2px 0 4px; }
.cfo-table th, .cfo-table td { padding: 4px 6px; border-bottom: 1px solid #eef1f6; text-align: left; }
.cfo-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cfo-table tfoot td { color: #5b6780; }
.cfo-chart { margin: 0; background: #fff; border: 1px solid #e3e8f1; border-radius: 8px; padding: 8px; }
.cfo-chart svg { width: 100%; height: 90px; display: block; }
.cfo-chart rect.pos { fill: #4a78e8; }
.cfo-chart rect.neg { fill: #e0694f; }
.cfo-chart figcaption { font-size: 12px; color: #5b6780; margin-top: 4px; }
@media (max-width: 480px) {
  .root { right: 0; bottom: 0; left: 0; }
  .root.open { top: 0; }
  .launcher { position: fixed; right: 16px; bottom: 16px; }
  .panel { width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; border: 0; }
}
`;
