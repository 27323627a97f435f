package web

import "github.com/gin-gonic/gin"

// Routes lists the routes the server's engine has, for the tests that
// check them against the OpenAPI document and the back office's rules.
func Routes(s *Server) gin.RoutesInfo { return s.engine.Routes() }
