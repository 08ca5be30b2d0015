// A reference client in Node: pusher-js 8.6.0, one bound event handler.
// Speaks the same stdout protocol as peers/_peer.py: READY, WARM, DONE; on SIGTERM it
// writes what it recorded to --out and exits.
"use strict";

const fs = require("fs");
const { performance } = require("perf_hooks");
const Pusher = require("pusher-js");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
}
const count = Number(args.count);
const received = [];
const sent = [];
const seq = [];

function say(word) {
  process.stdout.write(word + "\n");
}

process.on("SIGTERM", () => {
  fs.writeFileSync(args.out, JSON.stringify({ received, sent, seq }));
  process.exit(0);
});

const pusher = new Pusher(args.key, {
  cluster: "mt1", // required by the constructor; wsHost overrides it
  wsHost: args.host,
  wsPort: Number(args.port),
  forceTLS: false,
  enabledTransports: ["ws"],
  disableStats: true,
});
const channel = pusher.subscribe(args.channel);
channel.bind("pusher:subscription_succeeded", () => say("READY"));
channel.bind(args.event, (data) => {
  if (data.i < 0) {
    say("WARM");
    return;
  }
  // Wall-clock seconds with sub-millisecond resolution, like Python's time.time().
  received.push((performance.timeOrigin + performance.now()) / 1000);
  sent.push(data.t);
  seq.push(data.i);
  if (seq.length === count) say("DONE");
});
