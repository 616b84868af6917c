// The sample's web server: serves one page, configured by the JSON file hybrid wrote.
'use strict';
const fs = require('fs');
const http = require('http');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const server = http.createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  fs.readFile(config.root, (error, page) => {
    if (error) response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot read ${config.root}\n`);
    else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
});
server.listen(config.port, config.host, () => console.log(`listening on http://${config.host}:${config.port}/`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
