/** The live page: an embedded HTTP server (JDK HttpServer) on 127.0.0.1 with current figures, open episodes, recent signals and incidents. */
@NullMarked
package dev.argos.live;

import org.jspecify.annotations.NullMarked;
