# kivi_redis_pure: the redis backend's pure logic (RESP encode and parse,
# cluster slots, SCAN patterns, URL parameters), with no I/O, so it is unit
# tested (tests/redis) and fuzzed (fuzz/) on its own. Included by
# backends/redis/CMakeLists.txt, whose kivi_redis links it; the guard lets
# the tests include it too. Sources include as "backends/redis/src/x.h".
include_guard(GLOBAL)

add_library(kivi_redis_pure STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/glob.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/resp.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/slots.cc)
add_library(kivi::redis_pure ALIAS kivi_redis_pure)
set_target_properties(kivi_redis_pure PROPERTIES EXPORT_NAME redis_pure)
target_include_directories(kivi_redis_pure
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_link_libraries(kivi_redis_pure
  PUBLIC kivi::core absl::status absl::statusor absl::strings absl::span)
install(TARGETS kivi_redis_pure EXPORT kiviTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
