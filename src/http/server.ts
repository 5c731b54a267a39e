/** Serve the app on Node and stop it gracefully: no new connections, in-flight requests finish, at most `graceMs`. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from './app';

export interface RunningServer {
  port: number;
  url: string;
  close(graceMs?: number): Promise<void>;
}

export function listen(app: Hono<AppEnv>, port: number, hostname: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
      const host = hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname;
      resolve({
        port: info.port,
        url: `http://${host}:${info.port}`,
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
              done();
            }, graceMs);
            timer.unref();
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
          }),
      });
    });
    // Idle keep-alive connections outlive the clients' own pools (undici closes them after 4 s, load
    // balancers after 60 s): the server closing first races a request reusing the socket (ECONNRESET).
    const http = server as unknown as { keepAliveTimeout: number; headersTimeout: number };
    http.keepAliveTimeout = 65_000;
    http.headersTimeout = 66_000;
    server.once('error', reject);
  });
}
