/** Auto-configuration for Spring Boot 3: argos.* properties, request filter, watched web executor, health and Actuator endpoint. */
@NullMarked
package dev.argos.spring;

import org.jspecify.annotations.NullMarked;
