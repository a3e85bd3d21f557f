package dev.digitlab;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.connect.IllegalConnectorArgumentsException;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM under the JDK's own debugger interface (JDI), so that a test can stop it at an exact place in digitlab
 * or the JDK and kill it there, with no hook in digitlab's code. The child starts suspended; {@link #stopAt} names
 * the place ({@link #at}: a class literal and a method checked here), {@link #awaitStop} lets it run until it gets
 * there (it stays stopped).
 */
public final class Debuggee implements AutoCloseable {
    private final VirtualMachine vm;
    private String className;
    private String methodName;
    private int nthHit;

    private Debuggee(VirtualMachine vm) {
        this.vm = vm;
    }

    /** The JVM option that makes a child wait for a debugger on {@code port}, on 127.0.0.1 only. */
    public static String agent(int port) {
        return "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,quiet=y,address=127.0.0.1:" + port;
    }

    /** Attaches to the child's agent, waiting for it to listen (up to 30 s). */
    public static Debuggee attach(int port) throws IOException, InterruptedException {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
        Map<String, Connector.Argument> args = socket.defaultArguments();
        args.get("hostname").setValue("127.0.0.1");
        args.get("port").setValue(String.valueOf(port));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return new Debuggee(socket.attach(args));
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            } catch (IllegalConnectorArgumentsException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The entry of a method of a class in the child, both named so that the compiler and reflection check them. */
    public record Place(Class<?> type, String method) {
        public Place {
            if (Arrays.stream(type.getDeclaredMethods()).noneMatch(m -> m.getName().equals(method))) {
                throw new IllegalArgumentException(type.getName() + " has no method '" + method + "' (renamed or moved?); it has "
                        + Arrays.stream(type.getDeclaredMethods()).map(Method::getName).distinct().sorted().toList());
            }
        }
    }

    /**
     * The entry of {@code type}'s method {@code method}, looked up now in this JVM, which runs the same classes as the
     * child: a rename fails here, naming the method, instead of leaving a breakpoint that is never hit.
     */
    public static Place at(Class<?> type, String method) {
        return new Place(type, method);
    }

    /**
     * Where to stop: {@code place}, on its {@code nthHit}-th call (1: every call). Set when the class is loaded, or at
     * once if it is.
     */
    public void stopAt(Place place, int nthHit) {
        this.className = place.type().getName(); // the binary name (Outer$Inner), as the child's JVM knows it
        this.methodName = place.method();
        this.nthHit = nthHit;
        List<ReferenceType> loaded = vm.classesByName(className);
        if (!loaded.isEmpty()) {
            breakpoint(loaded.get(0));
        } else {
            ClassPrepareRequest r = vm.eventRequestManager().createClassPrepareRequest();
            r.addClassFilter(className);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
        }
    }

    private void breakpoint(ReferenceType type) {
        List<com.sun.jdi.Method> methods = type.methodsByName(methodName);
        if (methods.isEmpty()) { // the child runs other classes than this JVM's
            throw new IllegalStateException("the child's " + className + " has no method '" + methodName + "'");
        }
        for (com.sun.jdi.Method m : methods) {
            BreakpointRequest b = vm.eventRequestManager().createBreakpointRequest(m.location());
            b.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            if (nthHit > 1) {
                b.addCountFilter(nthHit);
            }
            b.enable();
        }
    }

    /**
     * Lets the child run until it stops where {@link #stopAt} said (true, and it stays stopped), it ends, or the time
     * is up (false).
     */
    public boolean awaitStop(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            vm.resume();
            while (System.nanoTime() < deadline) {
                EventSet set = vm.eventQueue().remove(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (set == null) {
                    return false;
                }
                for (Event e : set) {
                    if (e instanceof BreakpointEvent) {
                        return true;
                    }
                    if (e instanceof ClassPrepareEvent p && p.referenceType().name().equals(className)) {
                        breakpoint(p.referenceType());
                    }
                    if (e instanceof VMDeathEvent || e instanceof VMDisconnectEvent) {
                        return false;
                    }
                }
                set.resume();
            }
            return false;
        } catch (VMDisconnectedException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            vm.dispose();
        } catch (VMDisconnectedException e) {
            // the child is gone already
        }
    }
}
