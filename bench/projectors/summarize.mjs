// Human summary of build/bench/projectors.json (and peer-fanout.json when present).
import { existsSync, readFileSync } from 'node:fs';
const f = (x, d = 0) => (x === undefined || x === null ? '-' : Number(x).toFixed(d));
const table = (title, r) => {
  console.log(`${title} (${r.settings.frameIntervalMs} ms frames, ${r.settings.windowSeconds} s window per level):`);
  console.log('projectors  frames/s (expected)  us CPU/frame  core  interval p50/p99 ms  RSS KiB  KiB/projector  failed');
  for (const l of r.levels) {
    console.log(`${String(l.projectors).padStart(10)} ${f(l.framesPerSecond).padStart(9)} (${f(l.expectedFramesPerSecond)})` +
      `${f(l.cpuUsPerFrame.server).padStart(14)} ${f(l.serverCoreShare, 2).padStart(5)}` +
      `${(f(l.intervalMs.p50) + '/' + f(l.intervalMs.p99)).padStart(21)} ${String(l.rssKiB).padStart(8)}` +
      `${f(l.rssKiBPerProjector, 1).padStart(15)} ${String(l.failed).padStart(7)}`);
  }
};
const ours = JSON.parse(readFileSync(process.argv[2], 'utf8'));
table('asistencia-server', ours);
const t = ours.targets;
console.log(`targets: <= ${t.rssKiBPerProjector} KiB/projector, p99 <= ${500 + t.jitterP99MsAt1000} ms at 1000, ` +
  `<= ${t.cpuUsPerFrame} us CPU/frame`);
if (process.argv[3] && existsSync(process.argv[3])) {
  const peer = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  table('seed peer fan-out (node + ws)', peer);
  for (const r of peer.ratios) {
    console.log(`${r.projectors} projectors: CPU/frame ours/peer ${f(r.cpuPerFrameOursOverPeer, 2)}, ` +
      `RSS/projector ours/peer ${f(r.rssPerProjectorOursOverPeer, 2)}`);
  }
}
