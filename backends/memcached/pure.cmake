# kivi_memcached_pure: the memcached backend's pure logic (protocol encode and
# parse, ketama ring, server list, metadump decoding), with no I/O, so it is
# unit tested on its own (tests/memcached). Included by
# backends/memcached/CMakeLists.txt, whose kivi_memcached links it; include
# it only once (the guard lets the unit tests include it too when built
# before the module is wired). Sources include as "src/protocol.h".
include_guard(GLOBAL)

add_library(kivi_memcached_pure STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/md5.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/metadump.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/protocol.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/protocol_encode.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/ring.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/server_list.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/wire.cc)
add_library(kivi::memcached_pure ALIAS kivi_memcached_pure)
set_target_properties(kivi_memcached_pure PROPERTIES
  EXPORT_NAME memcached_pure)
target_include_directories(kivi_memcached_pure
  PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}>)
target_link_libraries(kivi_memcached_pure
  PUBLIC kivi::core absl::status absl::statusor absl::strings absl::str_format
         absl::time absl::span absl::optional)
install(TARGETS kivi_memcached_pure EXPORT kiviTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
