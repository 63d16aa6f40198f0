"""REINFORCE on a toy corridor: each update collects an episode by acting with the
policy, then takes one gradient step on the return-weighted log-probabilities."""
import torch
import torch.nn as nn
from torch.distributions import Categorical

GAMMA = 0.9
EPISODES = 30
MAX_STEPS = 12
LR = 0.02


class Corridor:
    """Walk left or right on 0..7; reward 1 for reaching 7, a small cost per step."""

    def __init__(self, size=8):
        self.size = size
        self.pos = 0

    def reset(self):
        self.pos = 0
        return self.observe()

    def observe(self):
        return torch.nn.functional.one_hot(torch.tensor(self.pos), self.size).float()

    def step(self, action):
        self.pos = max(0, min(self.size - 1, self.pos + (1 if action == 1 else -1)))
        done = self.pos == self.size - 1
        return self.observe(), (1.0 if done else -0.05), done


def discounted(rewards):
    out, running = [], 0.0
    for r in reversed(rewards):
        running = r + GAMMA * running
        out.insert(0, running)
    return torch.tensor(out)


def main():
    torch.manual_seed(5)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    env = Corridor()
    policy = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 2)).to(device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=LR)
    for episode in range(EPISODES):
        obs = env.reset()
        log_probs, rewards = [], []
        for _ in range(MAX_STEPS):
            dist = Categorical(logits=policy(obs.to(device)))
            action = dist.sample()
            log_probs.append(dist.log_prob(action))
            obs, reward, done = env.step(action.item())
            rewards.append(reward)
            if done:
                break
        returns = discounted(rewards).to(device)
        loss = -(torch.stack(log_probs) * returns).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if episode % 10 == 0:
            print(f"episode {episode}: return {sum(rewards):.2f}")


if __name__ == "__main__":
    main()
