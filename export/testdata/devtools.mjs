// Loads a Chrome trace-event JSON file with Chrome DevTools' trace engine
// (the npm package @paulirish/trace_engine, whose directory is argv[2])
// and prints what it made of it: the events of each thread by name, and
// the number of flows it bound to slices at both ends.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [engineDir, file] = process.argv.slice(2);
globalThis.DOMRect ??= class DOMRect {
  constructor(x = 0, y = 0, width = 0, height = 0) { Object.assign(this, { x, y, width, height }); }
};
const Trace = await import(pathToFileURL(path.join(engineDir, 'models/trace/trace.js')).href);
const json = JSON.parse(fs.readFileSync(file, 'utf8'));
const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(json.traceEvents);
const data = model.parsedTrace().data;
const threads = {};
for (const p of data.Renderer.processes.values()) {
  for (const t of p.threads.values()) {
    threads[t.name] = t.entries?.length ?? 0;
  }
}
console.log(JSON.stringify({ threads, flows: data.Flows.flows.length, bounds: data.Meta.traceBounds }));
