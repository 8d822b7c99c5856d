// The web page's routes: GET / (the search page), /view/{id} (an article), /assets/{name}.
// The HTML itself is front/html.{h,cc}; this file only wires requests to it.
#pragma once

#include "pool.h"
#include "router.h"

namespace oly::server {

void add_web_routes(Router& router, SearcherPool& pool);

}  // namespace oly::server
