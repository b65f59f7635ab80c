<?php
// Router for `php -S` (dev stack): serves the docroot as Apache would, but never hands out
// include files (*.inc) or dotfiles as plain text, matching the Apache config of the image.
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
if (preg_match('#(\.inc$|/\.)#', $path) === 1) {
    http_response_code(404);
    header('Content-Type: text/plain; charset=utf-8');
    echo "No encontrado\n";
    return true;
}
return false;
