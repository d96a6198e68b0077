// Preloaded (`node --require`) into kinesis-local, which has no bind-address option: every server it
// opens on all interfaces listens on 127.0.0.1 instead, so its unauthenticated API cannot be reached
// from another machine while the local cloud runs.
'use strict';
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload */
const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const ALL_INTERFACES = new Set([undefined, null, '', '0.0.0.0', '::']);
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof second !== 'string' || ALL_INTERFACES.has(second)) {
      return listen.call(this, first, LOOPBACK, ...args.slice(typeof second === 'string' ? 2 : 1));
    }
  } else if (first !== null && typeof first === 'object' && !('path' in first) && !('fd' in first) && !('handle' in first) && ALL_INTERFACES.has(first.host)) {
    // listen(options[, callback])
    return listen.call(this, { ...first, host: LOOPBACK }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
