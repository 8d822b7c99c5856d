// The JSON endpoints: /search (GET, POST), /batch, /articles/{id}, /health, /stats.
#pragma once

#include "pool.h"
#include "router.h"

namespace oly::server {

void add_api_routes(Router& router, SearcherPool& pool);

}  // namespace oly::server
