import assert from 'node:assert/strict';
import { it } from 'node:test';
import { htmlPageText, htmlPageTitle } from './html-page.ts';

/** nginx 1.22's own error page, byte for byte. */
const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n';

it("a proxy's error page is told by its title", () => {
  assert.equal(htmlPageTitle(NGINX_502), '502 Bad Gateway');
  assert.equal(htmlPageText(htmlPageTitle(NGINX_502)!), 'an HTML page ("502 Bad Gateway")');
  assert.equal(
    htmlPageTitle('\n<!DOCTYPE html>\n<html lang="en"><head>\n<title>\n  Sign in  to\nExample\n</title>'),
    'Sign in to Example',
  );
  assert.equal(htmlPageTitle('<body><h1>Service Unavailable</h1></body>'), 'Service Unavailable');
  assert.equal(htmlPageTitle('<html><body>nothing</body></html>'), '');
  assert.equal(htmlPageText(''), 'an HTML page');
});

it('any other answer is not a page', () => {
  assert.equal(htmlPageTitle('{"error":{"code":502,"message":"<html>"}}'), undefined);
  assert.equal(htmlPageTitle('upstream connect error or disconnect/reset before headers'), undefined);
  assert.equal(htmlPageTitle(''), undefined);
});
