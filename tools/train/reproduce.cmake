# Run bole-train into a scratch directory and compare with the shipped files.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(
  COMMAND ${TRAIN} --src ${SRC} --out ${WORK}/bole.model
          --heldout ${WORK}/heldout_titles.tsv --no-eval
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bole-train failed (${rc})")
endif()
foreach(pair "${WORK}/bole.model|${SHIPPED}" "${WORK}/heldout_titles.tsv|${SHIPPED_HELDOUT}")
  string(REPLACE "|" ";" p "${pair}")
  list(GET p 0 built)
  list(GET p 1 shipped)
  file(SHA256 ${built} a)
  file(SHA256 ${shipped} b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "${built} differs from ${shipped}: retrain with "
                        "bole-train and commit, or find the non-determinism")
  endif()
endforeach()
message(STATUS "bole-train output is byte-identical to the shipped model")
