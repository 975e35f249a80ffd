"""The page shell: doctype, charset, one inline CSS block and one tiny inline script.

Nothing is fetched: no fonts, no CDN, no tiles, no telemetry. The script only adds a
hover read-out to charts; every chart is complete without it.
"""

from __future__ import annotations

from runform.report.markup import Html, esc

__all__ = ["CSS", "SCRIPT", "page"]

CSS = """
:root{--fg:#1b1b1b;--mut:#555;--bg:#fff;--pan:#f7f7f5;--line:#d8d8d4;--acc:#0072B2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px 20px 48px}
header.rep h1{font-size:1.6em;margin:.3em 0 .1em}
header.rep p{margin:0;color:var(--mut)}
nav{padding:8px 20px;border-bottom:1px solid var(--line)}
nav a{margin-right:1em;color:var(--acc)}
.panel{background:var(--pan);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:16px 0}
.panel h2{font-size:1.15em;margin:.1em 0 .5em}
.panel h3{font-size:1em;margin:.8em 0 .3em}
.none{color:var(--mut);font-style:italic}
.note{color:var(--mut);font-size:.9em}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:6px 16px;margin:0}
.kv div{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px 10px}
.kv dt{font-size:.8em;color:var(--mut)}
.kv dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
table.data{border-collapse:collapse;margin:.4em 0;font-size:.9em;font-variant-numeric:tabular-nums;background:#fff}
table.data th,table.data td{border:1px solid var(--line);padding:3px 8px;text-align:left}
table.data td.n{text-align:right}
table.data td{white-space:nowrap}
table.plan-weeks td:last-child{white-space:normal;min-width:14em}
table.data caption{text-align:left;color:var(--mut);font-size:.9em;padding:2px 0}
.scroll{overflow-x:auto}
.tall{max-height:380px;overflow-y:auto}
svg.chart{width:100%;height:auto;display:block;background:#fff;margin:6px 0;font-family:system-ui,sans-serif}
svg.route{max-width:460px}
svg .plot{fill:#fff}
svg .grid{stroke:#e4e4e0;stroke-width:1}
svg .ax{stroke:#444;stroke-width:1}
svg .tk{font-size:11px;fill:#333}
svg .al{font-size:12px;fill:#222}
svg .ct{font-size:13px;font-weight:600;fill:#111}
svg .lg{font-size:12px;fill:#222}
svg .zl{font-size:10.5px;fill:#333}
svg .ml{font-size:11.5px;fill:#A04000;font-weight:600}
svg .cursor{stroke:#777;stroke-width:1}
svg .ro{font-size:11.5px;fill:#111;paint-order:stroke;stroke:#fff;stroke-width:3px}
.band{display:inline-block;padding:0 6px;border-radius:4px;font-size:.85em;border:1px solid #999}
.b-purple{background:#CC79A7}.b-blue{background:#56B4E9}.b-green{background:#009E73;color:#fff}
.b-orange{background:#E69F00}.b-red{background:#D55E00;color:#fff}
.cues li{margin:.3em 0}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
@media print{.panel{break-inside:avoid}}
""".strip()

SCRIPT = """
(function(){
function fmt(v,f){if(!isFinite(v))return'-';if(f==='pace'){if(v<=0.1)return'-';var s=Math.round(1000/v),m=Math.floor(s/60),r=s%60;return m+':'+(r<10?'0':'')+r+' /km'}
if(f==='date'){return new Date(v*864e5).toISOString().slice(0,10)}
if(f==='duration'){var t=Math.round(v),h=Math.floor(t/3600),mm=Math.floor(t%3600/60),ss=t%60;return(h?h+':'+(mm<10?'0':''):'')+mm+':'+(ss<10?'0':'')+ss}
var d=+(f.split(':')[1]||1);return v.toFixed(d)}
document.querySelectorAll('svg.chart[data-x0]').forEach(function(svg){
var lines=[].slice.call(svg.querySelectorAll('polyline[data-name]'));if(!lines.length)return;
var cur=svg.querySelector('.cursor'),ns='http://www.w3.org/2000/svg',ro=document.createElementNS(ns,'text');
ro.setAttribute('class','ro');ro.setAttribute('y','40');svg.appendChild(ro);
var d=function(k){return parseFloat(svg.dataset[k])};
var pts=lines.map(function(l){return l.getAttribute('points').split(' ').map(function(p){return p.split(',').map(Number)})});
svg.addEventListener('mousemove',function(e){var r=svg.getBoundingClientRect(),vb=svg.viewBox.baseVal;
var px=(e.clientX-r.left)*vb.width/r.width;if(px<d('px0')||px>d('px1')){cur.setAttribute('visibility','hidden');ro.textContent='';return}
cur.setAttribute('x1',px);cur.setAttribute('x2',px);cur.setAttribute('visibility','visible');
var xv=d('x0')+(px-d('px0'))/(d('px1')-d('px0'))*(d('x1')-d('x0'));var out=[fmt(xv,svg.dataset.xhover)];
lines.forEach(function(l,i){var p=pts[i],b=null,bd=1e9;for(var j=0;j<p.length;j++){var dd=Math.abs(p[j][0]-px);if(dd<bd){bd=dd;b=p[j]}}
if(!b)return;var ds=l.dataset,yv=+ds.y0+(b[1]-ds.py0)/(ds.py1-ds.py0)*(ds.y1-ds.y0);out.push(ds.name+' '+fmt(yv,ds.fmt))});
ro.textContent=out.join('  |  ');ro.setAttribute('x',Math.min(px+6,vb.width-8-ro.getComputedTextLength()))});
svg.addEventListener('mouseleave',function(){cur.setAttribute('visibility','hidden');ro.textContent=''})});
})();
""".strip()


def page(title: str, body: str, *, nav: str = "") -> str:
    """A complete, self-contained HTML page around ``body`` (already markup).

    Parameters
    ----------
    title : str
        Page title (escaped).
    body : str
        Body markup, e.g. :func:`runform.report.activity_html` with
        ``standalone=False``.
    nav : str
        Optional navigation markup placed above the main content.
    """
    return (
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        '<meta name=viewport content="width=device-width, initial-scale=1">\n'
        '<meta name=generator content="runform">\n'
        f"<title>{esc(title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        f"{nav}\n<main>\n{body}\n</main>\n<script>\n{SCRIPT}\n</script>\n</body>\n</html>\n"
    )


def heading(title: str, subtitle: str = "") -> Html:
    """The report header block."""
    sub = f"<p>{esc(subtitle)}</p>" if subtitle else ""
    return Html(f'<header class="rep"><h1>{esc(title)}</h1>{sub}</header>')
