# run_test.cmake - the ctests of bole-tune (see CMakeLists.txt):
#   MODE=recover  bole-tune --check on the simulated data set must pass
#                 (exit 0) and write exactly one new versioned weights file;
#   MODE=bad      bad input is refused (exit 2) naming the file and line, and
#                 nothing at all is written or installed;
#   MODE=sim      the documented simulator command reproduces the committed
#                 data set byte for byte.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/out ${WORK}/model)

function(expect_fail name want_rc want_text)
  execute_process(COMMAND ${TUNE} ${ARGN} --force --out ${WORK}/out --install ${WORK}/model
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL ${want_rc})
    message(FATAL_ERROR "${name}: exit ${rc}, expected ${want_rc}\n${out}\n${err}")
  endif()
  string(FIND "${err}" "${want_text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${name}: stderr lacks '${want_text}':\n${err}")
  endif()
  file(GLOB left ${WORK}/out/* ${WORK}/model/*)
  if(left)
    message(FATAL_ERROR "${name}: files were written: ${left}")
  endif()
  message(STATUS "${name}: refused as expected: ${err}")
endfunction()

if(MODE STREQUAL "recover")
  execute_process(COMMAND ${TUNE} --data ${DATA}/simulated.csv --weights ${DATA}/weights_old.conf
                          --check ${DATA}/truth.conf --out ${WORK}/out --version-date 2026-11-30
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bole-tune --check failed (exit ${rc})")
  endif()
  if(NOT EXISTS ${WORK}/out/weights-2026-11-30.1.conf)
    message(FATAL_ERROR "no new weights file written")
  endif()
  file(READ ${WORK}/out/weights-2026-11-30.1.conf conf)
  string(FIND "${conf}" "version = 2026-11-30.1" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the new file lacks its version line:\n${conf}")
  endif()
  # A second run gets the next sequence number, never overwrites.
  execute_process(COMMAND ${TUNE} --data ${DATA}/simulated.csv --weights ${DATA}/weights_old.conf
                          --out ${WORK}/out --version-date 2026-11-30
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/out/weights-2026-11-30.2.conf)
    message(FATAL_ERROR "second run: exit ${rc}, no weights-2026-11-30.2.conf\n${err}")
  endif()
elseif(MODE STREQUAL "bad")
  set(W --weights ${DATA}/weights_old.conf)
  expect_fail("missing file" 2 "${WORK}/nope.csv:0: cannot open" --data ${WORK}/nope.csv ${W})
  expect_fail("short line" 2 "bad_fields.csv:5: 19 fields, expected 20"
              --data ${DATA}/bad_fields.csv ${W})
  expect_fail("not a number" 2 "bad_number.csv:7: must_have_coverage '0.5x'"
              --data ${DATA}/bad_number.csv ${W})
  expect_fail("bad header" 2 "bad_header.csv:1: column 10 is 'must_have'"
              --data ${DATA}/bad_header.csv ${W})
  file(WRITE ${WORK}/noweight.conf "version = x.1\nweight.similarity = 1\n")
  expect_fail("bad weights" 2 "noweight.conf:2:"
              --data ${DATA}/simulated.csv --weights ${WORK}/noweight.conf)
  file(REMOVE ${WORK}/noweight.conf)
elseif(MODE STREQUAL "sim")
  execute_process(COMMAND ${SIM} --old ${DATA}/weights_old.conf --csv ${WORK}/simulated.csv
                          --truth ${WORK}/truth.conf --seed 1 --requests 1500
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bole-tune-sim failed: ${err}")
  endif()
  foreach(f simulated.csv truth.conf)
    file(SHA256 ${WORK}/${f} a)
    file(SHA256 ${DATA}/${f} b)
    if(NOT a STREQUAL b)
      message(FATAL_ERROR "${f} differs from the committed ${DATA}/${f}")
    endif()
  endforeach()
elseif(MODE STREQUAL "ab")
  # A/B on SIMULATED data: B = the true weights must win; B = the old
  # weights under another version name must show no significant difference.
  file(READ ${DATA}/truth.conf truth)
  string(REGEX REPLACE "(#|propensity)[^\n]*\n" "" truth "${truth}")
  file(WRITE ${WORK}/wtrue.conf "version = sim-true.1\n${truth}")
  file(READ ${DATA}/weights_old.conf old)
  string(REGEX REPLACE "version = [^\n]*" "version = zz-same.1" old "${old}")
  file(WRITE ${WORK}/wsame.conf "${old}")
  foreach(case true same)
    execute_process(COMMAND ${SIM} --old ${DATA}/weights_old.conf --b-weights ${WORK}/w${case}.conf
                            --csv ${WORK}/${case}.csv --truth ${WORK}/t.conf --seed 3
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "bole-tune-sim failed: ${err}")
    endif()
    execute_process(COMMAND ${TUNE} --ab --data ${WORK}/${case}.csv
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    message(STATUS "${out}${err}")
    if(case STREQUAL "true")
      set(want "verdict: B (sim-true.1) wins on NDCG@10")
    else()
      set(want "verdict: no significant difference")
    endif()
    string(FIND "${out}" "${want}" at)
    if(NOT rc EQUAL 0 OR at EQUAL -1)
      message(FATAL_ERROR "--ab on ${case}.csv: exit ${rc}, output lacks '${want}'")
    endif()
  endforeach()
  # More than two versions without --versions: refused, naming them.
  file(READ ${WORK}/true.csv a)
  file(WRITE ${WORK}/three.csv "${a}")
  file(APPEND ${WORK}/three.csv "999999,third-1,1,third.1,t1,n1,1,0.5,"
       "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,1,1788220800000\n")
  execute_process(COMMAND ${TUNE} --ab --data ${WORK}/three.csv
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  string(FIND "${err}" "needs exactly two versions" at)
  if(NOT rc EQUAL 2 OR at EQUAL -1)
    message(FATAL_ERROR "three versions: exit ${rc}: ${err}")
  endif()
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
