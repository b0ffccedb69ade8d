// The one translation unit that compiles Asio's and Beast's non-template code. The library
// defines BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION publicly, so
// every other file that includes them gets declarations only instead of recompiling it all.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
