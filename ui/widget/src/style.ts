// All of the widget's CSS, inside its shadow root: the host page's styles can't reach in and
// ours can't leak out. Logical properties mirror the layout in right-to-left languages.
export const css = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,"Noto Sans","Noto Sans Khmer","Khmer OS","Noto Sans Arabic",sans-serif;line-height:1.45}
[data-part=launcher]{position:fixed;inset-block-end:20px;inset-inline-end:20px;width:60px;height:60px;border-radius:50%;border:0;background:#0b6e63;color:#fff;cursor:pointer;box-shadow:0 4px 14px #0004;display:flex;align-items:center;justify-content:center;z-index:2147483000;padding:0}
[data-part=launcher] img{width:44px;height:44px;border-radius:50%;object-fit:cover;margin-inline-start:-10px;border:2px solid #fff}
[data-part=launcher] img:first-child{margin:0}
.dot{position:absolute;inset-block-end:4px;inset-inline-end:4px;width:14px;height:14px;border-radius:50%;border:2px solid #fff;background:#9aa}
.dot.on{background:#22c55e}
[data-part=badge]{position:absolute;inset-block-start:-4px;inset-inline-start:-4px;min-width:22px;height:22px;border-radius:11px;background:#d92d20;color:#fff;font-size:12px;display:flex;align-items:center;justify-content:center;padding:0 6px}
[data-part=panel]{position:fixed;inset-block-end:92px;inset-inline-end:20px;width:min(370px,calc(100vw - 24px));height:min(560px,calc(100vh - 110px));background:#fff;color:#1a1a1a;border-radius:14px;box-shadow:0 8px 30px #0005;display:flex;flex-direction:column;overflow:hidden;z-index:2147483000;font-size:15px}
[hidden]{display:none!important}
header{background:#0b6e63;color:#fff;padding:12px 14px;display:flex;gap:8px;align-items:flex-start}
header h2{margin:0;font-size:16px;flex:1}
header p{margin:2px 0 0;font-size:13px;opacity:.9}
header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}
.body{flex:1;overflow:auto;padding:12px}
form label{display:block;margin:8px 0 2px;font-size:13px}
input,textarea{width:100%;padding:8px;border:1px solid #bbb;border-radius:8px;font-size:15px;unicode-bidi:plaintext}
textarea{resize:vertical;min-height:60px}
.check{display:flex;gap:8px;align-items:flex-start;margin:10px 0 0}
.check input{width:auto;margin-top:4px}
.hp{position:absolute;inset-inline-start:-9999px;width:1px;height:1px;overflow:hidden}
button.primary{margin-top:12px;width:100%;padding:10px;border:0;border-radius:8px;background:#0b6e63;color:#fff;font-size:15px;cursor:pointer}
button.primary:disabled{opacity:.6}
[data-part=error]{color:#b42318;font-size:13px;margin:6px 0}
details{font-size:12px;color:#555;margin-top:10px}
details button{margin-top:6px;font-size:12px}
[data-part=messages]{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}
[data-part=message],[data-part=away]{max-width:85%;padding:8px 10px;border-radius:12px;background:#eef5f4;align-self:flex-start;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:plaintext}
[data-from=visitor]{background:#0b6e63;color:#fff;align-self:flex-end}
[data-deleted=true] .text{font-style:italic;opacity:.75}
[data-part=quote]{border-inline-start:3px solid #0003;padding-inline-start:6px;margin-bottom:4px;font-size:13px;opacity:.85}
[data-auto]{background:#f4f1e8}
[data-part=handoff]{display:block;margin-top:6px;border:1px solid #0b6e63;background:#fff;color:#0b6e63;border-radius:8px;padding:4px 10px;cursor:pointer;font-size:13px}
.meta{font-size:11px;opacity:.75;margin-top:3px;display:block}
.composer{display:flex;gap:6px;border-top:1px solid #ddd;padding:8px}
.composer textarea{min-height:42px;height:42px}
[data-part=file]{display:block;margin-top:6px;max-width:100%}
img[data-part=file]{max-height:240px;border-radius:8px;object-fit:contain;background:#fff}
a[data-part=file]{color:inherit;text-decoration:underline}
[data-part=file][data-bad]{font-style:italic;opacity:.75}
.composer button{border:0;border-radius:8px;background:#0b6e63;color:#fff;padding:0 12px;cursor:pointer}
.composer [data-part=attach]{background:none;color:#0b6e63;padding:0 4px;display:flex;align-items:center}
`;
