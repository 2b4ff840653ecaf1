// Runs the DC-09 receiver of iobroker.sia (the `sia` protocol class of the ioBroker SIA adapter, from
// npm) on loopback TCP and UDP, for Warden's interop test. Only that class is used, no ioBroker.
//
//   node iobroker-receiver.cjs ACCOUNT [KEY]     KEY: 16, 24 or 32 ASCII characters; none: plain frames
//
// Writes one JSON object per line on stdout:
//   {"listening":{"tcp":PORT,"udp":PORT}}   once both sockets are bound
//   {"sia":{"id":..,"seq":..,"act":..,"data":..,"ts":..}}   each frame it accepted (and ACKed)
//   {"error":"..."}                          each frame it refused (and NAKed)
'use strict';
const { sia } = require('iobroker.sia/build/lib/sia.js');

const [account, key] = process.argv.slice(2);
if (!account) {
    process.stderr.write('usage: node iobroker-receiver.cjs ACCOUNT [KEY]\n');
    process.exit(2);
}
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

// timeout: how far (in seconds) a frame's timestamp may be from the receiver's clock.
const rx = new sia({ host: '127.0.0.1', port: 0, timeout: 60 });
rx.setAccounts([{ accountnumber: account, password: key || '', hex: false, aes: Boolean(key) }]);
rx.on('sia', (m, err) => {
    if (m) {
        out({ sia: { id: m.id, seq: m.seq, rpref: m.rpref, lpref: m.lpref, act: m.act, data: m.data_message, ts: m.ts } });
    } else {
        out({ error: String(err) });
    }
});
rx.on('error', (err) => out({ error: String(err) }));

// The class listens on its own; its sockets are plain Node servers, so their ports can be read back.
const ports = {};
const ready = () => {
    if (ports.tcp && ports.udp) out({ listening: ports });
};
rx.servertcp.once('listening', () => {
    ports.tcp = rx.servertcp.address().port;
    ready();
});
rx.serverudp.once('listening', () => {
    ports.udp = rx.serverudp.address().port;
    ready();
});
rx.serverStartTCP();
rx.serverStartUDP();
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
