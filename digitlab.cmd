@echo off
rem Runs digitlab on Windows as ./digitlab does elsewhere: builds target\digitlab.jar with the Maven wrapper on first
rem use (or when the sources changed), then runs it with the same Java options. Extra JVM options: DIGITLAB_JAVA_OPTS.
rem DIGITLAB_JAR runs another build as it is. score and experiment --master (Apache Spark) need ./digitlab (WSL).
setlocal
set "here=%~dp0"
set "home=%here:~0,-1%"
set "jar=%here%target\digitlab.jar"
if defined DIGITLAB_JAR (
  set "jar=%DIGITLAB_JAR%"
  goto run
)
if not exist "%jar%" goto build
if not exist "%here%target\lib" goto build
rem a source newer than the jar: PowerShell compares the times
powershell -NoProfile -Command "$j = (Get-Item -LiteralPath '%jar%').LastWriteTime; $n = Get-ChildItem -Recurse -File -LiteralPath '%here%src\main', '%here%pom.xml' | Where-Object { $_.LastWriteTime -gt $j } | Select-Object -First 1; if ($n) { exit 1 } else { exit 0 }"
if errorlevel 1 goto build
goto run

:build
echo digitlab: building %jar% (first use or sources changed) 1>&2
pushd "%here%"
call mvnw.cmd -B -q -DskipTests package 1>&2
set "rc=%errorlevel%"
popd
if not "%rc%"=="0" exit /b %rc%

:run
if /i "%~1"=="score" (
  echo digitlab: error: score runs on Apache Spark through ./digitlab; on Windows, run it in WSL 1>&2
  exit /b 1
)
java %DIGITLAB_JAVA_OPTS% -Dai.djl.offline=true "-Ddigitlab.home=%home%" -jar "%jar%" %*
exit /b %errorlevel%
