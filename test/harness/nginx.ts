import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from './ports.ts';
import { type RunningProcess, startProcess } from './process.ts';
import type { TestTls } from './tls.ts';
import { waitFor } from './wait.ts';

/** Debian's nginx, which `.ci/run` installs. */
export const NGINX = '/usr/sbin/nginx';

/** nginx terminating TLS on a loopback port, run in the foreground from a temporary prefix. */
export interface Nginx {
  /** `https://localhost:<port>`: the name the test certificate is for. */
  readonly url: string;
  readonly port: number;
  readonly proc: RunningProcess;
  /** Lines of the access log so far: `<status> <method> <uri> <request bytes>`, one per finished request. */
  accessLog(): string[];
  /** Stops nginx (SIGTERM: its fast shutdown, which closes every connection at once). */
  stop(): Promise<void>;
  /** Starts it again on the same port and configuration (a restarted proxy, an ingress pod replaced). */
  restart(): Promise<void>;
}

/** What goes into nginx's configuration besides the harness's own directives. */
export interface NginxConfig {
  /** Directives of the `http` block (an `upstream`, say). */
  readonly http?: string;
  /** Directives of the TLS `server` block: its `location`s. */
  readonly server: string;
}

/**
 * Starts nginx with one TLS `server` on a free 127.0.0.1 port, with the directives of `config`,
 * everything else nginx's defaults. Every path it writes is under `dir`.
 */
export async function startNginx(dir: string, tls: TestTls, config: NginxConfig): Promise<Nginx> {
  assert.ok(existsSync(NGINX), `${NGINX} not found: apt-get install nginx`);
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  // Started as root (CI), nginx's workers would run as nobody, who may not write to `dir` (bodies
  // over client_body_buffer_size go to a temporary file there): they run as root too.

  const port = await freePort();
  const accessLog = path.join(dir, 'logs', 'access.log');
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 256; }
http {
  log_format bw '$status $request_method $request_uri $request_length';
  access_log ${accessLog} bw;
  client_body_temp_path ${path.join(dir, 'client_body')};
  proxy_temp_path ${path.join(dir, 'proxy')};
  fastcgi_temp_path ${path.join(dir, 'fastcgi')};
  uwsgi_temp_path ${path.join(dir, 'uwsgi')};
  scgi_temp_path ${path.join(dir, 'scgi')};
${config.http ?? ''}
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
${config.server}
  }
}
`,
  );
  const spawn = async (): Promise<RunningProcess> => {
    // -e: the error log before the configuration is read (the default path is outside `dir`).
    const proc = await startProcess(NGINX, ['-p', dir, '-e', 'stderr', '-c', conf, '-g', 'daemon off;'], {
      name: 'nginx',
    });
    await waitFor(`nginx listening on ${port}\n${proc.output()}`, () => accepts(port), { timeoutMs: 10_000 });
    return proc;
  };
  let proc = await spawn();
  return {
    url: `https://localhost:${port}`,
    port,
    get proc() {
      return proc;
    },
    accessLog: () =>
      existsSync(accessLog)
        ? readFileSync(accessLog, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [],
    async stop() {
      await proc.stop();
    },
    async restart() {
      proc = await spawn();
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
