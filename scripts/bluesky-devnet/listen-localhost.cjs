// Preloaded with `node --require`: the dev-env servers call listen(port) with no host,
// which binds every interface. Force 127.0.0.1 so the devnet is reachable from this
// machine only.
'use strict'
const net = require('node:net')

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && args[0].path === undefined && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  } else if (args.length === 0 || typeof args[0] === 'function') {
    args.unshift(0, '127.0.0.1')
  }
  return listen.apply(this, args)
}

// The PDS's rate-limit windows are 5 minutes or more. With HARK_DEVNET_RATE_WINDOW_SECONDS
// set, every window is capped at that many seconds (the points stay as shipped), so a
// test can earn a real 429 from the PDS's own limiter and wait it out in seconds.
const cap = Number(process.env.HARK_DEVNET_RATE_WINDOW_SECONDS || 0)
if (cap > 0) {
  const rlf = require('rate-limiter-flexible')
  const Memory = rlf.RateLimiterMemory
  rlf.RateLimiterMemory = class extends Memory {
    constructor(opts = {}) {
      super({ ...opts, duration: Math.min(opts.duration || cap, cap) })
    }
  }
}
