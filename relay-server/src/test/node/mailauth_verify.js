'use strict';
// Verifies messages with mailauth (npm), an independent DKIM verifier, without DNS: keys come from a JSON map
// {"sel._domainkey.cast.works.": "v=DKIM1; k=rsa; p=..."} (names match case-insensitively, trailing dot optional).
// Prints "FILE a=ALGORITHM d=DOMAIN s=SELECTOR RESULT[ COMMENT]" per signature, "FILE none" for a message without one.
//   node mailauth_verify.js KEYS.json FILE...
const fs = require('node:fs');
const { dkimVerify } = require('mailauth/lib/dkim/verify');

const normalize = name => name.toLowerCase().replace(/\.$/, '');
const keys = new Map(Object.entries(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')))
    .map(([name, record]) => [normalize(name), record]));

// dns.resolve's shape: one array of strings per TXT record; a missing name is ENOTFOUND, as from a real resolver.
const resolver = async (name, type) => {
    const record = type === 'TXT' ? keys.get(normalize(name)) : undefined;
    if (record === undefined) {
        const error = new Error('no TXT record for ' + name);
        error.code = 'ENOTFOUND';
        throw error;
    }
    return [[record]];
};

(async () => {
    for (const file of process.argv.slice(3)) {
        const verdict = await dkimVerify(fs.readFileSync(file), { resolver });
        if (!verdict.results.length) {
            console.log(`${file} none`);
        }
        for (const s of verdict.results) {
            const comment = s.status.comment ? ' ' + s.status.comment : '';
            console.log(`${file} a=${s.algo} d=${s.signingDomain} s=${s.selector} ${s.status.result}${comment}`);
        }
    }
})().catch(error => {
    console.error(error);
    process.exit(2);
});
