// Which dialect owns a path: each dialect's own table decides.
#include "transports/http/dialects/dialect_routes.hpp"

#include "transports/http/dialects/agathemmanuel/agathemmanuel_routes.hpp"
#include "transports/http/dialects/bernata/bernata_routes.hpp"
#include "transports/http/dialects/importhuman/importhuman_routes.hpp"

namespace kv::http::dialects {

std::optional<dialect_route> dialect_route_for(dialect id, std::string_view path) {
  switch (id) {
    case dialect::kvactor:
      return std::nullopt;
    case dialect::bernata:
      return bernata_route(path);
    case dialect::importhuman:
      return importhuman_route(path);
    case dialect::agathemmanuel:
      return agathemmanuel_route(path);
  }
  return std::nullopt;
}

}  // namespace kv::http::dialects
