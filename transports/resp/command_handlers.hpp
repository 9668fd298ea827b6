// The handlers of the command table, one file per family of commands.
#pragma once

#include "transports/resp/commands.hpp"

namespace kv::resp {

void cmd_auth(command_call& call);
void cmd_client(command_call& call);
void cmd_command(command_call& call);
void cmd_config(command_call& call);
void cmd_dbsize(command_call& call);
void cmd_decr(command_call& call);
void cmd_decrby(command_call& call);
void cmd_del(command_call& call);
void cmd_discard(command_call& call);
void cmd_echo(command_call& call);
void cmd_exec(command_call& call);
void cmd_exists(command_call& call);
void cmd_expire(command_call& call);
void cmd_get(command_call& call);
void cmd_hdel(command_call& call);
void cmd_hello(command_call& call);
void cmd_hexists(command_call& call);
void cmd_hget(command_call& call);
void cmd_hgetall(command_call& call);
void cmd_hlen(command_call& call);
void cmd_hmset(command_call& call);
void cmd_hset(command_call& call);
void cmd_incr(command_call& call);
void cmd_incrby(command_call& call);
void cmd_incrbyfloat(command_call& call);
void cmd_info(command_call& call);
void cmd_keys(command_call& call);
void cmd_mget(command_call& call);
void cmd_mset(command_call& call);
void cmd_multi(command_call& call);
void cmd_persist(command_call& call);
void cmd_ping(command_call& call);
void cmd_psubscribe(command_call& call);
void cmd_pttl(command_call& call);
void cmd_punsubscribe(command_call& call);
void cmd_quit(command_call& call);
void cmd_reset(command_call& call);
void cmd_sadd(command_call& call);
void cmd_scan(command_call& call);
void cmd_scard(command_call& call);
void cmd_select(command_call& call);
void cmd_set(command_call& call);
void cmd_sismember(command_call& call);
void cmd_smembers(command_call& call);
void cmd_srem(command_call& call);
void cmd_subscribe(command_call& call);
void cmd_ttl(command_call& call);
void cmd_type(command_call& call);
void cmd_unsubscribe(command_call& call);

}  // namespace kv::resp
