// Starts a real PLC, PDS (rate limits on) and AppView with @atproto/dev-env and prints
// one JSON line with their URLs. SIGTERM closes the network.
import { TestNetwork } from '@atproto/dev-env'

const network = await TestNetwork.create({
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'hark',
  pds: { rateLimitsEnabled: true },
})

let closing = false
const close = async () => {
  if (closing) return
  closing = true
  try {
    await network.close()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', close)
process.on('SIGINT', close)

console.log(
  JSON.stringify({
    pid: process.pid,
    plc: network.plc.url,
    pds: network.pds.url,
    appview: network.bsky.url,
    ozone: network.ozone.url,
  }),
)
